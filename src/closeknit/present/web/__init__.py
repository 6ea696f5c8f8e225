"""The local web app (``closeknit serve``) and the self-contained report (``closeknit report``)."""
