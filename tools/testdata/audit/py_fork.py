# SPDX-License-Identifier: MIT
# os.fork() while a thread runs (unless "nothread"); the child calls
# time.localtime(), pwd.getpwnam() and logging, then exits.
import logging, os, pwd, sys, threading, time

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(message)s",
                    stream=sys.stderr)
stop = threading.Event()
if sys.argv[1:] != ["nothread"]:
    t = threading.Thread(target=lambda: stop.wait(10))
    t.start()
pid = os.fork()
if pid == 0:
    time.localtime()
    pwd.getpwnam("root")
    logging.info("child logging")
    os._exit(0)
os.waitpid(pid, 0)
stop.set()
print("parent done")
