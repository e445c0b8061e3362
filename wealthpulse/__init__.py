"""wealthpulse: the command line and the settings shared by every layer."""
