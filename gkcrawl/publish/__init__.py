"""The archive's Datasette publication: templates, the plugin, and the report page's tables."""
