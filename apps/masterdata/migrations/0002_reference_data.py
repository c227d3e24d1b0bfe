from decimal import Decimal

from django.db import migrations

CURRENCIES = [
    ("CNY", "人民币", "¥", 2),
    ("USD", "US Dollar", "$", 2),
    ("EUR", "Euro", "€", 2),
    ("HKD", "港币", "HK$", 2),
    ("JPY", "日元", "¥", 0),
    ("GBP", "Pound Sterling", "£", 2),
]
UNITS = [
    ("PCS", "件"),
    ("BOX", "箱"),
    ("SET", "套"),
    ("KG", "千克"),
    ("G", "克"),
    ("T", "吨"),
    ("M", "米"),
    ("L", "升"),
    ("H", "小时"),
]
TAX_RATES = [
    ("VAT13", "增值税 13%", Decimal("13")),
    ("VAT9", "增值税 9%", Decimal("9")),
    ("VAT6", "增值税 6%", Decimal("6")),
    ("VAT0", "增值税 0%", Decimal("0")),
]
PAYMENT_TERMS = [
    ("NOW", "Due on receipt / 即付", 0),
    ("NET30", "Net 30 / 30天", 30),
    ("NET60", "Net 60 / 60天", 60),
    ("NET90", "Net 90 / 90天", 90),
]
CONVERSIONS = [("KG", "G", Decimal("1000")), ("T", "KG", Decimal("1000"))]


def load(apps, schema_editor):
    Currency = apps.get_model("masterdata", "Currency")
    UnitOfMeasure = apps.get_model("masterdata", "UnitOfMeasure")
    UnitConversion = apps.get_model("masterdata", "UnitConversion")
    TaxRate = apps.get_model("masterdata", "TaxRate")
    PaymentTerms = apps.get_model("masterdata", "PaymentTerms")
    for code, name, symbol, places in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "symbol": symbol, "decimal_places": places})
    units = {}
    for code, name in UNITS:
        units[code], _ = UnitOfMeasure.objects.get_or_create(code=code, defaults={"name": name})
    for source, target, factor in CONVERSIONS:
        UnitConversion.objects.get_or_create(
            item=None, from_unit=units[source], to_unit=units[target], defaults={"factor": factor}
        )
    for code, name, rate in TAX_RATES:
        TaxRate.objects.get_or_create(code=code, defaults={"name": name, "rate": rate})
    for code, name, days in PAYMENT_TERMS:
        PaymentTerms.objects.get_or_create(code=code, defaults={"name": name, "due_days": days})


class Migration(migrations.Migration):
    dependencies = [("masterdata", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
