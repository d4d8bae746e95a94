"""Job handlers by area; every module here is imported by ``betal.jobs.registry``."""
