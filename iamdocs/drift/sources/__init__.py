"""Readers that find copies of the permissions outside policies/."""
