"""The floor: the same ASGI stack (Starlette on uvicorn) answering a constant body."""

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = b'Category: compute;scheme="http://schemas.ogf.org/occi/infrastructure#";class="kind"\n'


async def constant(request):
    return Response(BODY, media_type="text/plain")


app = Starlette(routes=[Route("/{path:path}", constant, methods=["GET", "POST"])])
