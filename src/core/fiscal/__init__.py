"""Fiscal rules for a buyer's CFDI 4.0 receptor profile: RFC, regime, CFDI use, zip, name."""

from autofactura.core.fiscal.catalogs import (
    CFDI_USES,
    TAX_SYSTEMS,
    CfdiUse,
    TaxSystem,
    cfdi_use_description,
    tax_system_description,
    zip_exists,
)
from autofactura.core.fiscal.rfc import (
    GENERIC_TAX_IDS,
    PersonType,
    RfcCheck,
    check_tax_id,
    normalize_tax_id,
    person_type,
)
from autofactura.core.fiscal.validation import (
    FieldProblem,
    FiscalProfileData,
    normalize_profile,
    validate_profile,
)

__all__ = [
    "CFDI_USES",
    "GENERIC_TAX_IDS",
    "TAX_SYSTEMS",
    "CfdiUse",
    "FieldProblem",
    "FiscalProfileData",
    "PersonType",
    "RfcCheck",
    "TaxSystem",
    "cfdi_use_description",
    "check_tax_id",
    "normalize_profile",
    "normalize_tax_id",
    "person_type",
    "tax_system_description",
    "validate_profile",
    "zip_exists",
]
