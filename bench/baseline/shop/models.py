"""The conventional schema: stock is a mutable row per (store, product), guarded by row locks
and a CHECK constraint."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class Store(models.Model):
    name = models.CharField(max_length=200)
    location = models.CharField(max_length=200)


class Product(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    category = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)


class Stock(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="stock")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "product"], name="stock_store_product"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_not_negative"),
        ]


class Order(models.Model):
    CONFIRMED, REJECTED = "CONFIRMED", "REJECTED"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)
    rejection_reasons = models.JSONField(default=list)
    # NULL, not "": many orders have no key, and a unique column allows many NULLs.
    idempotency_key = models.CharField(max_length=200, null=True, unique=True)  # noqa: DJ001
    request_fingerprint = models.CharField(max_length=64, default="")

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at"], name="order_store_newest")]


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    product_title = models.CharField(max_length=200)
    quantity_requested = models.IntegerField()
