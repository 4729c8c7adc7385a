"""Model helpers shared by the apps (imports no app)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset whose rows, once written, are neither updated nor deleted in bulk."""

    changed_message = "Bản ghi đã lưu không thể sửa."
    deleted_message = "Bản ghi đã lưu không thể xóa."

    def update(self, **kwargs):
        raise ValidationError(self.changed_message)

    def delete(self):
        raise ValidationError(self.deleted_message)


class AppendOnlyModel(models.Model):
    """A row that is written once: saving it again or deleting it raises a Vietnamese
    `ValidationError` (the messages of the model's queryset class)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(self._messages().changed_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(self._messages().deleted_message)

    def _messages(self) -> AppendOnlyQuerySet:
        return type(self)._default_manager.get_queryset()
