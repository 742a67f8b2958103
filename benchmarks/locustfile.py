"""One page under load, for benchmarks/pages.py (which sets these variables and runs locust headless).

BENCH_PATH     the page's path, e.g. /scale/chair/papers/
BENCH_NAME     the name the figures are reported under
BENCH_SESSION  a session id to send as the session cookie (empty for an anonymous visitor)

Every simulated user asks for the page again as soon as the answer arrives (no think time): the
figures are the server's capacity and latency under that many concurrent requests. Anything but a
200 (a redirect to the login page included) counts as a failure.
"""

import os

from locust import FastHttpUser, constant, task


class PageVisitor(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        session = os.environ.get("BENCH_SESSION", "")
        self.headers = {"Cookie": f"sessionid={session}"} if session else {}

    @task
    def page(self):
        with self.client.get(
            os.environ["BENCH_PATH"],
            name=os.environ.get("BENCH_NAME"),
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
