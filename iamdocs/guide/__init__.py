"""The site side of the guide: the mkdocs hooks, generated pages, downloads and navigation.

Everything the hooks publish comes from the loader; nothing is copied by hand.
"""
