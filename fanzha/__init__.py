"""fanzha (反诈工作台): anti-telecom-fraud workbench for a grassroots police station."""

__version__ = "0.1.0"
