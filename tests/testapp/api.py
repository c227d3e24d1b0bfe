"""A Voucher resource on the shared API base (idempotent POSTs, ETag/If-Match, errors, history)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import ErpModelViewSet
from apps.masterdata.models import Company

from . import services
from .models import Voucher


class VoucherSerializer(serializers.ModelSerializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all())
    note = serializers.CharField(max_length=100, allow_blank=True, required=False)

    class Meta:
        model = Voucher
        fields = ["id", "number", "company", "status", "document_date", "note"]
        read_only_fields = ["number", "status"]

    def create(self, validated_data):
        return services.create_voucher(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        note = validated_data.get("note", instance.note)
        return services.update_voucher(voucher=instance, note=note, actor=self.context["request"].user)


class VoucherViewSet(ErpModelViewSet):
    serializer_class = VoucherSerializer
    queryset = Voucher.objects.select_related("company")
    filterset_fields = ["status"]
    search_fields = ["number", "note"]
    ordering_fields = ["number", "document_date"]
    action_permissions = {"confirm": ["testapp.change_voucher"]}

    @extend_schema(request=None, responses=VoucherSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        voucher = services.confirm_voucher(voucher=self.get_object(), actor=request.user)
        return Response(self.get_serializer(voucher).data)
