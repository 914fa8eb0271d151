# SPDX-License-Identifier: MIT
# multiprocessing with the fork start method while a thread runs; the worker
# formats the local time and looks up a user.
import multiprocessing as mp, pwd, threading, time

def work(q):
    q.put((time.strftime("%H:%M", time.localtime()), pwd.getpwnam("root").pw_uid))

if __name__ == "__main__":
    stop = threading.Event()
    t = threading.Thread(target=lambda: stop.wait(10))
    t.start()
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=work, args=(q,))
    p.start()
    print("worker said", q.get()[1])
    p.join()
    stop.set()
