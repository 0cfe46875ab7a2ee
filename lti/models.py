"""The lti tables: platform registrations, our keys, launches, and what launches create.

A *platform* (Moodle, Canvas, Open edX, a national library platform) is registered once per
issuer and client id; it has *deployments*. A launch verifies an id_token against the
platform's JWKS, spends its nonce once (``lti_used_nonces``: the unique constraint is what makes
a replay fail, even between two workers), and links the platform's user, context and resource
link to Librarena's user, course enrolment and content.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow

if TYPE_CHECKING:
    from lms.auth.models import User


class LtiPlatform(Base):
    """A platform registration: what we need to verify its launches and call its services."""

    __tablename__ = "lti_platforms"
    __table_args__ = (
        UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(255), index=True)
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str] = mapped_column(String(1024))
    jwks_url: Mapped[str] = mapped_column(String(1024))
    #: ``aud`` of our client-credentials assertion when the token endpoint wants another
    #: value than its own URL (Security Framework §4.1.1); none: the token URL.
    token_audience: Mapped[str | None] = mapped_column(String(1024))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: The platform's JWKS as last fetched, and until when HTTP caching allows us to keep it.
    jwks_cache: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    jwks_expires_at: Mapped[datetime | None]
    #: Filled by Dynamic Registration: the platform's openid-configuration and its answer.
    registration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="LtiDeployment.id"
    )

    def __repr__(self) -> str:
        return f"<LtiPlatform {self.issuer!r} {self.client_id!r}>"


class LtiDeployment(Base):
    __tablename__ = "lti_deployments"
    __table_args__ = (
        UniqueConstraint("platform_id", "deployment_id", name="uq_lti_deployments_platform"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiToolKey(Base):
    """One of our RSA signing keys. The private half is encrypted with a key derived from the
    instance's secret key (``lti.keys``), so neither the repository nor a database dump alone
    reveals it. One key is active; the one it replaced stays published in the JWKS."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_pem: Mapped[str] = mapped_column(Text)
    private_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]


class LtiUsedNonce(Base):
    """A nonce already spent: inserting it twice breaks the unique constraint, so a replayed
    id_token (or LTI 1.1 request) is refused by the database itself. Kept until after the
    token it came with could no longer be accepted anyway."""

    __tablename__ = "lti_used_nonces"
    __table_args__ = (UniqueConstraint("issuer", "value", name="uq_lti_used_nonces_issuer_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The platform's issuer (LTI 1.3) or ``lti1.1:<consumer key>``.
    issuer: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LtiLaunchState(Base):
    """The ``state`` and ``nonce`` of one OIDC login, until its launch arrives."""

    __tablename__ = "lti_launch_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(128), unique=True)
    nonce: Mapped[str] = mapped_column(String(128))
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True
    )
    target_link_uri: Mapped[str] = mapped_column(String(1024))
    #: The login request's own parameters, to start it again in a new window when the browser
    #: lost the state cookie inside an iframe.
    login_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LtiUser(Base):
    """A platform's user (issuer + sub) linked to a Librarena account."""

    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("issuer", "sub", name="uq_lti_users_issuer_sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    sub: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class ContextRole(enum.StrEnum):
    """What a platform role means inside that platform's context (course)."""

    LEARNER = "learner"
    COORDINATOR = "coordinator"


class LtiContext(Base):
    """A course (context) of a platform, optionally mapped to one of our courses."""

    __tablename__ = "lti_contexts"
    __table_args__ = (
        UniqueConstraint("deployment_id", "context_key", name="uq_lti_contexts_deployment_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("lti_deployments.id", ondelete="CASCADE"), index=True
    )
    #: The platform's ``context.id``.
    context_key: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    label: Mapped[str] = mapped_column(String(255), default="")
    #: NRPS ``context_memberships_url`` and AGS ``lineitems`` with its granted scopes.
    memberships_url: Mapped[str | None] = mapped_column(String(1024))
    lineitems_url: Mapped[str | None] = mapped_column(String(1024))
    ags_scopes: Mapped[str] = mapped_column(String(1024), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployment: Mapped[LtiDeployment] = relationship()


class LtiContextMember(Base):
    __tablename__ = "lti_context_members"
    __table_args__ = (
        UniqueConstraint("context_id", "user_id", name="uq_lti_context_members_context_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[ContextRole] = mapped_column(enum_column(ContextRole, "lti_context_role"))
    #: ``launch`` or ``roster`` (NRPS sync): how we learned of them.
    source: Mapped[str] = mapped_column(String(16), default="launch")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    context: Mapped[LtiContext] = relationship()
    user: Mapped[User] = relationship()


class TargetKind(enum.StrEnum):
    """What a resource link opens."""

    COURSE = "course"
    MODULE = "module"
    WEBINAR_SERIES = "webinar_series"
    TRACK = "track"


class LtiResourceLink(Base):
    """A placement of our content in a platform; its target is chosen by deep linking or by
    the ``custom`` parameters of the launch."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (
        UniqueConstraint("deployment_id", "link_key", name="uq_lti_resource_links_deployment_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("lti_deployments.id", ondelete="CASCADE"), index=True
    )
    context_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="CASCADE"), index=True
    )
    #: The platform's ``resource_link.id``.
    link_key: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    target_kind: Mapped[TargetKind | None] = mapped_column(enum_column(TargetKind, "lti_target"))
    target_id: Mapped[int | None]
    #: AGS ``lineitem`` of this link, when the platform made one for it.
    lineitem_url: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployment: Mapped[LtiDeployment] = relationship()
    context: Mapped[LtiContext | None] = relationship()


class LtiLaunch(Base):
    """A verified launch. Its one-time token (stored hashed) travels in the URL and is
    exchanged for a first-party session, so no third-party cookie is needed inside an iframe."""

    __tablename__ = "lti_launches"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="SET NULL"), index=True
    )
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="SET NULL"), index=True
    )
    message_type: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    #: Where the launch lands (a path on this site).
    target_path: Mapped[str] = mapped_column(String(1024))
    #: Deep-linking settings, the return URL and anything else needed after the exchange.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    platform: Mapped[LtiPlatform] = relationship()
    user: Mapped[User] = relationship()
    context: Mapped[LtiContext | None] = relationship()
    resource_link: Mapped[LtiResourceLink | None] = relationship()


class LtiLineItem(Base):
    """A platform line item we post scores to (found or created through AGS)."""

    __tablename__ = "lti_line_items"
    __table_args__ = (UniqueConstraint("context_id", "url", name="uq_lti_line_items_context_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="CASCADE"), index=True
    )
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str] = mapped_column(String(1024))
    label: Mapped[str] = mapped_column(String(255), default="")
    score_maximum: Mapped[float] = mapped_column(default=100.0)
    #: Our ``resourceId`` (``course:3``, ``quiz:17``) for finding it again.
    resource_key: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GradeSendStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class LtiGradeSend(Base):
    """A score on its way to a platform; the outbox carries it, this row shows where it is."""

    __tablename__ = "lti_grade_sends"
    __table_args__ = (Index("ix_lti_grade_sends_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Names this send in its outbox message (the id is not known before the flush).
    key: Mapped[str] = mapped_column(String(36), unique=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score_given: Mapped[float]
    score_maximum: Mapped[float]
    activity_progress: Mapped[str] = mapped_column(String(32))
    grading_progress: Mapped[str] = mapped_column(String(32))
    #: The item the score is for (``course:3``, ``quiz:17``).
    resource_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[GradeSendStatus] = mapped_column(
        enum_column(GradeSendStatus, "lti_grade_status"), default=GradeSendStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    resource_link: Mapped[LtiResourceLink] = relationship()
    user: Mapped[User] = relationship()


class Lti11Consumer(Base):
    """An LTI 1.1 consumer key and secret, belonging to a platform registration. The secret is
    needed in clear to check HMAC-SHA1 signatures, so it is kept encrypted like our keys."""

    __tablename__ = "lti11_consumers"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True
    )
    consumer_key: Mapped[str] = mapped_column(String(255), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    platform: Mapped[LtiPlatform] = relationship()
