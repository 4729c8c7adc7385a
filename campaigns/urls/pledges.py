from django.urls import path

from campaigns.views import pledges

urlpatterns = [
    path("phong-trao/<int:campaign_pk>/giao-uoc/", pledges.pledge_list, name="pledge-list"),
    path("phong-trao/<int:campaign_pk>/giao-uoc/them/", pledges.pledge_create, name="pledge-create"),
    path("giao-uoc/<int:pk>/", pledges.pledge_detail, name="pledge-detail"),
    path("giao-uoc/<int:pk>/sua/", pledges.pledge_edit, name="pledge-edit"),
    path("giao-uoc/<int:pk>/muc/them/", pledges.pledge_item_add, name="pledge-item-add"),
    path("giao-uoc/<int:pk>/muc/<int:item_pk>/sua/", pledges.pledge_item_edit, name="pledge-item-edit"),
    path("giao-uoc/<int:pk>/muc/<int:item_pk>/xoa/", pledges.pledge_item_delete, name="pledge-item-delete"),
    path(
        "giao-uoc/<int:pk>/muc/<int:item_pk>/len/",
        pledges.pledge_item_move,
        {"offset": -1},
        name="pledge-item-up",
    ),
    path(
        "giao-uoc/<int:pk>/muc/<int:item_pk>/xuong/",
        pledges.pledge_item_move,
        {"offset": 1},
        name="pledge-item-down",
    ),
    path("giao-uoc/<int:pk>/dang-ky/them/", pledges.pledge_registration_add, name="pledge-registration-add"),
    path(
        "giao-uoc/<int:pk>/dang-ky/<int:registration_pk>/xoa/",
        pledges.pledge_registration_remove,
        name="pledge-registration-remove",
    ),
    path("giao-uoc/<int:pk>/mo-ky/", pledges.pledge_open, name="pledge-open"),
    path("giao-uoc/<int:pk>/tinh-hinh-ky/", pledges.pledge_board_view, name="pledge-board"),
    path("giao-uoc/<int:pk>/ky/", pledges.pledge_sign, name="pledge-sign"),
    path("giao-uoc/<int:pk>/ky-chung-kien/", pledges.pledge_witness, name="pledge-witness"),
    path("giao-uoc/<int:pk>/kiem-tra/", pledges.pledge_verify, name="pledge-verify"),
    path("giao-uoc/<int:pk>/thu-hoi/", pledges.pledge_revoke, name="pledge-revoke"),
    path("giao-uoc/<int:pk>/ket-thuc/", pledges.pledge_close, name="pledge-close"),
    path("giao-uoc/<int:pk>/ban-in/", pledges.pledge_print, name="pledge-print"),
]
