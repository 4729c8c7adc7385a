"""Forms of the user and role pages and of the audit log: validation and normalisation only."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from blocs.models import Assignment, AuditEvent, Bloc, Role, Unit, User
from thidua.lib.forms import DateField, LongSelect, TextField
from thidua.lib.text import fold


def _messages(label: str) -> dict[str, str]:
    """Error messages that name the field and the rule it broke."""
    return {
        "required": f"{label} không được để trống.",
        "max_length": f"{label} dài tối đa %(limit_value)d ký tự (đang có %(show_value)d ký tự).",
    }


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: beside the field it names when the form
    has that field, at the top of the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# Django's own messages for these rules are not all translated (the minimum length message
# of Django 5.2 has no Vietnamese text), so each rule is worded here by its error code.
def _password_message(error: ValidationError) -> str:
    params = error.params or {}
    match error.code:
        case "password_too_short":
            return f"Mật khẩu quá ngắn: cần ít nhất {params.get('min_length', 10)} ký tự."
        case "password_too_common":
            return "Mật khẩu này quá phổ biến, dễ bị đoán: hãy chọn mật khẩu khác."
        case "password_entirely_numeric":
            return "Mật khẩu không được chỉ gồm chữ số: hãy thêm chữ cái hoặc ký hiệu."
        case "password_too_similar":
            return f"Mật khẩu quá giống {str(params.get('verbose_name', 'thông tin cá nhân')).lower()}."
    return " ".join(error.messages)


def validate_new_password(password: str, user: User) -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS), in Vietnamese."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError([_password_message(e) for e in exc.error_list]) from exc


class UserForm(forms.Form):
    """A user's profile and flags; a password is required when creating, optional on edit."""

    username = forms.CharField(
        label="Tên đăng nhập",
        max_length=150,
        validators=[
            UnicodeUsernameValidator(
                message="Tên đăng nhập chỉ gồm chữ, số và các ký tự @ . + - _ (không có dấu cách)."
            )
        ],
        error_messages=_messages("Tên đăng nhập"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    full_name = TextField(label="Họ và tên", max_length=150, error_messages=_messages("Họ và tên"))
    rank = TextField(
        label="Cấp bậc",
        max_length=60,
        required=False,
        error_messages=_messages("Cấp bậc"),
        help_text="Ví dụ: Đại tá. In ra ở chỗ ký giao ước.",
    )
    position = TextField(
        label="Chức vụ",
        max_length=150,
        required=False,
        error_messages=_messages("Chức vụ"),
        help_text="Ví dụ: Chính ủy.",
    )
    email = forms.EmailField(
        label="Email",
        required=False,
        max_length=254,
        error_messages={**_messages("Email"), "invalid": "Email không đúng dạng, ví dụ: ten@donvi.mil.vn."},
    )
    is_active = forms.BooleanField(
        label="Đang hoạt động",
        required=False,
        initial=True,
        help_text="Bỏ chọn để khóa tài khoản: người dùng bị đăng xuất ngay và không đăng nhập được nữa.",
    )
    is_superuser = forms.BooleanField(
        label="Quản trị viên",
        required=False,
        help_text="Quản trị viên quản lý đơn vị, khối/cụm, người dùng và xem nhật ký kiểm tra.",
    )
    password1 = forms.CharField(
        label="Mật khẩu",
        strip=False,
        error_messages=_messages("Mật khẩu"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Ít nhất 10 ký tự, không toàn số, không phải mật khẩu phổ biến, không giống tên đăng nhập.",
    )
    password2 = forms.CharField(
        label="Nhập lại mật khẩu",
        strip=False,
        error_messages=_messages("Ô nhập lại mật khẩu"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        self.user = user
        if user is not None:
            kwargs.setdefault("initial", {field: getattr(user, field) for field in self.profile_fields()})
        super().__init__(*args, **kwargs)
        if user is not None:
            for name in ("password1", "password2"):
                self.fields[name].required = False
            self.fields["password1"].label = "Mật khẩu mới"
            self.fields["password1"].help_text = (
                "Để trống nếu không đổi. " + self.fields["password1"].help_text
            )
            self.fields["password2"].label = "Nhập lại mật khẩu mới"

    @staticmethod
    def profile_fields() -> tuple[str, ...]:
        return ("username", "full_name", "rank", "position", "email", "is_active", "is_superuser")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password1 = cleaned.get("password1") or ""
        password2 = cleaned.get("password2") or ""
        if not password1 and not password2:
            return cleaned
        if not password2:
            self.add_error("password2", "Nhập lại mật khẩu để xác nhận.")
        elif password1 != password2:
            self.add_error("password2", "Hai lần nhập mật khẩu không khớp nhau.")
        if password1 and "password1" not in self.errors:
            candidate = User(
                username=cleaned.get("username", ""),
                full_name=cleaned.get("full_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                validate_new_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        elif not password1 and "password1" not in self.errors:
            self.add_error("password1", "Nhập mật khẩu mới (hoặc để trống cả hai ô nếu không đổi).")
        return cleaned

    def profile(self) -> dict[str, Any]:
        """The profile fields, as the services take them."""
        return {field: self.cleaned_data[field] for field in self.profile_fields()}

    def password(self) -> str | None:
        return self.cleaned_data.get("password1") or None


class _UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.code})"


class _BlocChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Bloc) -> str:
        return obj.display_name


class AssignmentForm(forms.Form):
    """A role to give a user. Which target a role needs (bloc or unit) is the service's rule."""

    role = forms.ChoiceField(
        label="Vai trò",
        choices=[("", "— Chọn vai trò —"), *Role.choices],
        error_messages={"required": "Chọn vai trò cần giao.", "invalid_choice": "Vai trò không hợp lệ."},
    )
    bloc = _BlocChoiceField(
        label="Khối/cụm",
        queryset=Bloc.objects.active().select_related("organiser").in_vietnamese_order(),
        required=False,
        empty_label="— Không —",
        error_messages={"invalid_choice": "Khối/cụm đã chọn không còn trong danh sách."},
        help_text="Cho cán bộ thi đua và người theo dõi.",
        widget=LongSelect(attrs={"class": "form-select"}),
    )
    unit = _UnitChoiceField(
        label="Đơn vị",
        queryset=Unit.objects.active().in_vietnamese_order(),
        required=False,
        empty_label="— Không —",
        error_messages={"invalid_choice": "Đơn vị đã chọn không còn trong danh sách."},
        help_text="Cho chỉ huy đơn vị và cán bộ đơn vị.",
        widget=LongSelect(attrs={"class": "form-select"}),
    )
    can_witness = forms.BooleanField(
        label="Được ký chứng kiến",
        required=False,
        help_text="Chỉ với người theo dõi: được ký chứng kiến giao ước của khối/cụm.",
    )

    def add_error(self, field, error):
        """Marks the fields in error for the hand-written template (Bootstrap's is-invalid)."""
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


STATE_ACTIVE = "active"
STATE_LOCKED = "locked"
ROLE_ADMIN = "admin"
ROLE_NONE = "none"


class UserFilterForm(forms.Form):
    q = TextField(
        label="Tìm",
        required=False,
        max_length=100,
        error_messages=_messages("Từ khóa tìm kiếm"),
        widget=forms.SearchInput(attrs={"placeholder": "Tên đăng nhập, họ tên, chức vụ"}),
    )
    role = forms.ChoiceField(
        label="Vai trò",
        required=False,
        choices=[
            ("", "Mọi vai trò"),
            (ROLE_ADMIN, "Quản trị viên"),
            *Role.choices,
            (ROLE_NONE, "Chưa có vai trò"),
        ],
        error_messages={"invalid_choice": "Vai trò cần lọc không hợp lệ."},
    )
    state = forms.ChoiceField(
        label="Trạng thái",
        required=False,
        choices=[("", "Mọi trạng thái"), (STATE_ACTIVE, "Đang hoạt động"), (STATE_LOCKED, "Đã khóa")],
        error_messages={"invalid_choice": "Trạng thái cần lọc không hợp lệ."},
    )

    def apply(self, users: QuerySet[User]) -> QuerySet[User]:
        """Filter `users` by the valid criteria.

        The search is accent-insensitive ("nguyen" finds "Nguyễn"): users carry no folded
        search column, so their names are folded here, one query over (pk, names) that
        stays cheap for the few hundred to few thousand accounts of a political office."""
        data = self.cleaned_data
        text = data.get("q") or ""
        key = fold(text)
        if key:
            matching = [
                pk
                for pk, *values in User.objects.values_list("pk", "username", "full_name", "position")
                if any(key in fold(value) for value in values)
            ]
            users = users.filter(Q(pk__in=matching) | Q(username__icontains=text))
        role = data.get("role")
        if role == ROLE_ADMIN:
            users = users.filter(is_superuser=True)
        elif role == ROLE_NONE:
            users = users.filter(is_superuser=False).exclude(pk__in=Assignment.objects.values("user_id"))
        elif role:
            users = users.filter(pk__in=Assignment.objects.filter(role=role).values("user_id"))
        state = data.get("state")
        if state == STATE_ACTIVE:
            users = users.filter(is_active=True)
        elif state == STATE_LOCKED:
            users = users.filter(is_active=False)
        return users


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Loại sự kiện",
        required=False,
        choices=[("", "Mọi loại"), *AuditEvent.Kind.choices],
        error_messages={"invalid_choice": "Loại sự kiện không hợp lệ."},
    )
    username = TextField(
        label="Tên đăng nhập", required=False, max_length=150, error_messages=_messages("Tên đăng nhập")
    )
    date_from = DateField(label="Từ ngày", required=False)
    date_to = DateField(label="Đến ngày", required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "“Đến ngày” phải sau hoặc bằng “Từ ngày”.")
        return cleaned

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """Filter by kind, username (part of it, any case) and local dates, inclusive. Dates
        become an aware range on `at` so that its index serves the query."""
        data = self.cleaned_data
        if data.get("kind"):
            events = events.filter(kind=data["kind"])
        if data.get("username"):
            events = events.filter(username__icontains=data["username"])
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, tzinfo=zone))
        if data.get("date_to"):
            next_day = data["date_to"] + timedelta(days=1)
            events = events.filter(at__lt=datetime.combine(next_day, time.min, tzinfo=zone))
        return events
