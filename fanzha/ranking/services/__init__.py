"""Services of the ranking app: aggregate queries into ranking figures, registration imports,
trends for the charts and the xlsx export. Views, the CLI and the API all call these."""
