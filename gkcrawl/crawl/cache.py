"""The HTTP cache policy for re-crawls: keep every page, revalidate every page.

Scrapy's RFC2616Policy would serve a page with an old Last-Modified from the cache for
months (heuristic freshness) and never notice a changed report; a crawler for changes
wants the opposite: each cached page costs one conditional request, answered by a 304.
"""

from __future__ import annotations

from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Request, Response

VALIDATORS = (b"If-None-Match", b"If-Modified-Since")


class AlwaysRevalidatePolicy(RFC2616Policy):
    """RFC 2616 caching, except that nothing is ever fresh: always ask the server."""

    def should_cache_request(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            # A redirect copies the old URL's validators; the new URL gets its own (or none) below.
            # Kept, a moved file with the same mtime and size (nginx's ETag) answers 304 and is never stored.
            for name in VALIDATORS:
                request.headers.pop(name, None)
        if request.meta.get("playwright"):
            return False  # a rendered DOM is not the server's answer to a conditional request
        return super().should_cache_request(request)

    def should_cache_response(self, response: Response, request: Request) -> bool:
        if response.status != 200:
            return False
        return super().should_cache_response(response, request)

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False
