"""The local web app (``closeknit serve``) and the self-contained report (``closeknit report``)."""

#: The largest file the Sources page imports (``closeknit serve --max-upload``, in MB); a larger
#: export is imported with ``closeknit import PATH``, which reads it where it lies.
MAX_UPLOAD_MB = 2048
