"""Our DBC file for the Mobileye aftermarket CAN output (``mobileye.dbc``)."""
