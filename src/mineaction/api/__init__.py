"""The HTTP faces: the REST API and the web pages, over the same services."""
