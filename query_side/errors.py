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


class UnknownStockItem(QueryError):
    def __init__(self, store_id: int, product_id: int) -> None:
        super().__init__(f"Store {store_id} has never stocked product {product_id}.")
