"""Locust users for benchmarks/pages.py: every user requests one page as fast as it can.

The page comes from the environment (BENCH_TARGET, JSON: method, path, session cookie,
form data, whether it is an htmx request), so one headless locust run measures one page.
"""

import json
import os

import gevent
from locust import FastHttpUser, constant, events, task

TARGET = json.loads(os.environ.get("BENCH_TARGET", "{}"))


@events.init.add_listener
def refresh_the_event_loop_clock(**kwargs) -> None:
    # gevent's loop caches "now"; after a slow start (a loaded machine) the cached time is
    # stale and locust's --run-time timer would fire at once, measuring nothing.
    gevent.get_hub().loop.update_now()


class PageUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        cookies = TARGET.get("cookies", {})
        self.headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
        if "csrftoken" in cookies:
            self.headers["X-CSRFToken"] = cookies["csrftoken"]
            self.headers["Referer"] = self.host + "/"
        if TARGET.get("htmx"):
            self.headers["HX-Request"] = "true"

    @task
    def page(self) -> None:
        method = TARGET.get("method", "GET")
        path = TARGET["path"]
        if method == "POST":
            self.client.post(path, data=TARGET.get("data", {}), headers=self.headers, name=path)
        else:
            self.client.get(path, headers=self.headers, name=path)
