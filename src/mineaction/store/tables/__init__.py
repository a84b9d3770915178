"""Every table of the national database, importable from one place."""

from mineaction.store.base import Base
from mineaction.store.tables.access import ApiToken, LoginFailure, Submission, UserSession
from mineaction.store.tables.assets import Equipment, EquipmentStatusChange, Project
from mineaction.store.tables.casualties import Accident, Victim
from mineaction.store.tables.operations import (
    Activity,
    Finding,
    Hazard,
    HazardBlockage,
    LandRelease,
    ProgressReport,
)
from mineaction.store.tables.programmes import BENEFICIARY_COLUMNS, Assistance, EORESession
from mineaction.store.tables.quality import Inspection, NonConformity, ReleaseAcceptance
from mineaction.store.tables.records import MinefieldRecord, RecordAttachment, RecordMineType
from mineaction.store.tables.reference import (
    Accreditation,
    AdminArea,
    AdminAreaAlias,
    EOModel,
    Organisation,
    Team,
)
from mineaction.store.tables.risk import RiskCandidate, RiskCell, RiskHazard, RiskRun
from mineaction.store.tables.rollups import (
    AccidentRollup,
    AssistanceRollup,
    EORERollup,
    FindingRollup,
    HazardReleaseRollup,
    ReleaseRollup,
    VictimRollup,
)
from mineaction.store.tables.system import AuditEntry, DatasetFact, User

#: (table name, indexed geometry column) of every spatial table.
SPATIAL_TABLES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (m.class_.__tablename__, m.class_.__spatial__)
        for m in Base.registry.mappers
        if getattr(m.class_, "__spatial__", None)
    )
)

__all__ = [
    "BENEFICIARY_COLUMNS",
    "SPATIAL_TABLES",
    "Accident",
    "AccidentRollup",
    "Accreditation",
    "Activity",
    "AdminArea",
    "AdminAreaAlias",
    "ApiToken",
    "Assistance",
    "AssistanceRollup",
    "AuditEntry",
    "Base",
    "DatasetFact",
    "EOModel",
    "EORERollup",
    "EORESession",
    "Equipment",
    "EquipmentStatusChange",
    "Finding",
    "FindingRollup",
    "Hazard",
    "HazardBlockage",
    "HazardReleaseRollup",
    "Inspection",
    "LandRelease",
    "LoginFailure",
    "MinefieldRecord",
    "NonConformity",
    "Organisation",
    "ProgressReport",
    "Project",
    "RecordAttachment",
    "RecordMineType",
    "ReleaseAcceptance",
    "ReleaseRollup",
    "RiskCandidate",
    "RiskCell",
    "RiskHazard",
    "RiskRun",
    "Submission",
    "Team",
    "User",
    "UserSession",
    "Victim",
    "VictimRollup",
]
