from .app import entry

if __name__ == "__main__":     # not when a spawned child process re-imports the main module
    entry()
