"Print a short fingerprint of the modules' code (cache keys, update checks)."
from .database import code_fingerprint

if __name__ == '__main__':
    print(code_fingerprint()[:16])
