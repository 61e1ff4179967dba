"""Reading: recordings (EDF/EDF+/BDF, mne.Raw, arrays) and their scoring files."""
from .channels import ROLES, assign_roles, role_of
from .edf import read_psg
from .recording import Channel, Recording

__all__ = ["ROLES", "Channel", "Recording", "assign_roles", "read_psg", "role_of"]
