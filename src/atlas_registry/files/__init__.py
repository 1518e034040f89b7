"""Re-reading a version's listed files: `files verify`, through fsspec."""
