"""placeholder"""
FULL = QUICK = TINY = None
VARIANTS = ()
def measure(*a): return []
