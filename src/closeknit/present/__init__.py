"""present: the CLI (and later the report, web UI and exports) over the library."""
