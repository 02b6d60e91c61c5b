"""The editor's pages: the article list and the article page, server-rendered."""
