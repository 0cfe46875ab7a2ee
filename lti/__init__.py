"""Librarena as an LTI tool: LTI 1.3 Advantage and LTI 1.1 launches, platform registrations.

Library choice
--------------
We evaluated ``pylti1p3`` (2.0.0, unmaintained since 2022), its maintained fork
``pylti1p3next`` (2.0.2) and writing the protocol on PyJWT + cryptography, and chose the last:

* both pylti1p3 flavours accept a replayed id_token within the same browser session
  (``check_nonce`` never spends the nonce); single-use nonces would have to be bolted on
  around the library's own launch object anyway;
* neither has a clock-tolerance setting, and we need one (platforms' clocks drift; 30–60 s);
* their errors are one exception type with English text, where each failed launch must tell
  the platform admin, in the user's language, which rule failed;
* their session/cookie/cache adapters assume the tool session lives in a (third-party) cookie,
  where we exchange a one-time launch token for a first-party session instead;
* pylti1p3next's ``from_cache()`` and generator-returning services add traps for little gain.

What is left is small: each rule of LTI Core 1.3 and the IMS Security Framework 1.0 is a small
helper in :mod:`lti.validate` citing its section, on PyJWT for the JOSE work; ``requests`` for
platform calls; ``oauthlib`` for LTI 1.1's OAuth 1.0a signatures. The test suite drives all of
it from an independent platform built on OpenLearning's ``lti1p3platform``.
"""
