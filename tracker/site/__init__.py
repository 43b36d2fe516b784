"""Static site: pages, charts, downloads and the atomic writer."""
