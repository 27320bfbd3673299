"""Middleware of the project as a whole (the apps' own live in their packages)."""


class CadenaSincronaMiddleware:
    """Last in ``MIDDLEWARE``: a sync-only link at the bottom of the chain.

    Under ASGI Django builds the chain from the inside out, each middleware that can do both
    following the mode of the handler below it. The bottom handler is async, so the chain
    ran async down to WhiteNoise (sync only), and every ``MiddlewareMixin`` in async mode
    runs its ``process_request``/``process_response`` through ``sync_to_async``: a dozen
    thread hops per request, ~6.5 ms of CPU on a 9 ms API call. With a sync link at the
    bottom the whole chain runs in one thread: one hop in, one out, one for the view
    (the views are synchronous anyway).
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
