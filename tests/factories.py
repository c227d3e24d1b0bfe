"""factory-boy factories for master data. They write rows directly (fast fixtures); tests of the
rules themselves call the services."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from apps.core.models import User
from apps.masterdata.models import (
    Company,
    Currency,
    Item,
    ItemCategory,
    Location,
    Partner,
    TaxRate,
    UnitOfMeasure,
    Warehouse,
)
from apps.masterdata.validation import name_key


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """`UserFactory(roles=["buyer"])` puts the user in those role groups."""
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CO{n}")
    name = factory.Sequence(lambda n: f"Company {n} Ltd.")
    base_currency = factory.LazyFunction(lambda: Currency.objects.get(code="CNY"))


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"B{n:03d}")
    kind = Location.Kind.BIN
    path = "/"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        location = super()._create(model_class, *args, **kwargs)
        parent_path = location.parent.path if location.parent_id else "/"
        location.path = f"{parent_path}{location.pk}/"
        Location.objects.filter(pk=location.pk).update(path=location.path)
        return location


class ItemCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemCategory

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"CAT{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    path = "/"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        category = super()._create(model_class, *args, **kwargs)
        parent_path = category.parent.path if category.parent_id else "/"
        category.path = f"{parent_path}{category.pk}/"
        ItemCategory.objects.filter(pk=category.pk).update(path=category.path)
        return category


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"ITEM{n:05d}")
    name = factory.Sequence(lambda n: f"Item {n}")
    name_key = factory.LazyAttribute(lambda item: name_key(item.name))
    base_unit = factory.LazyFunction(lambda: UnitOfMeasure.objects.get(code="PCS"))
    tax_rate = factory.LazyFunction(lambda: TaxRate.objects.get(code="VAT13"))
    standard_price = Decimal("10.00")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"Partner {n} Trading")
    name_key = factory.LazyAttribute(lambda partner: name_key(partner.name))
    is_customer = True
    is_supplier = False
    currency = factory.LazyFunction(lambda: Currency.objects.get(code="CNY"))
