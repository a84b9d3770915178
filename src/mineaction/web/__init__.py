"""Web pages: templates and static assets, served from the package (no CDN)."""
