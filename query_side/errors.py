"""Errors of the read side; `api.errors` gives them their HTTP status."""


class QueryError(Exception):
    """Base of every read-side error a client can cause."""


class UnknownStore(QueryError):
    def __init__(self, store_id: int) -> None:
        super().__init__(f"Store {store_id} does not exist.")


class UnknownOrder(QueryError):
    def __init__(self, order_id: object) -> None:
        super().__init__(f"Order {order_id} does not exist.")


class PageOutOfRange(QueryError):
    def __init__(self, page: int, total_pages: int) -> None:
        super().__init__(f"Page {page} is past the last page ({total_pages}).")
        self.page, self.total_pages = page, total_pages


class ProjectionBehind(QueryError):
    """The read model has not reached the requested event position within the wait."""

    def __init__(self, position: int) -> None:
        super().__init__(f"The read model has not reached event position {position} yet.")
        self.position = position


class PositionBeyondHead(QueryError):
    """A `min_position` past the newest stored event: no amount of waiting reaches it."""

    def __init__(self, position: int, head: int) -> None:
        super().__init__(
            f"Event position {position} is past the event store's head, which is {head}: "
            "pass a position a command answered."
        )
        self.position, self.head = position, head


class ProjectionStalled(QueryError):
    """No live worker advances the projection, so waiting would only hold the request."""

    def __init__(self, projection: str) -> None:
        super().__init__(f"No live worker is advancing the {projection} projection.")
        self.projection = projection


class TooManyWaiting(QueryError):
    """Every slot for reads waiting on a projection in this process is taken."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"{cap} reads are already waiting for projections here; retry shortly.")
        self.cap = cap


class UnknownStockItem(QueryError):
    def __init__(self, store_id: int, product_id: int) -> None:
        super().__init__(f"Store {store_id} has never stocked product {product_id}.")
