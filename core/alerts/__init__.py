"""Burst alerts: moderators told privately when signatures from one source surge."""
