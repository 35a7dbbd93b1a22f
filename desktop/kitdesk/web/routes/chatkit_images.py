"""``GET /chatkit/images/{provider_id}?url=…``: a ChatKit server's image, fetched for the page.

The window loads images only from Kitdesk (its CSP's ``img-src`` is ``'self'``,
``data:`` and ``blob:``), so the images a ChatKit server's answers name on its
own origin are pointed here by the proxy (``chat/image_links.py``) and fetched
by ``ChatKitProxy.image`` under the limits of ``chat/remote_images.py``. A
refusal is the usual JSON error with a sentence; the element then shows the
image's alt text and says it could not be loaded.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from kitdesk.web.responses import error_response
from kitdesk.web.routes.chatkit_proxy import IMAGE_ROUTE, ChatKitProxy

# The same URL shows the same picture for a while; the browser need not ask again.
IMAGE_CACHE = "private, max-age=3600"


def build_chatkit_images_router(proxy: ChatKitProxy) -> APIRouter:
    router = APIRouter()

    @router.get(IMAGE_ROUTE + "{provider_id}")
    async def remote_image(provider_id: str, url: str = "") -> Response:
        if not url:
            return error_response(
                400, "invalid_request", "Say which image to load with ?url=<its address>."
            )
        image = await proxy.image(provider_id, url)
        return Response(
            image.content, media_type=image.media_type, headers={"cache-control": IMAGE_CACHE}
        )

    return router
