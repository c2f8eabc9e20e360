"""The platform every module stands on."""
