// Certificates for the network tests, made once with `openssl req` and `openssl ca` (P-256) by a
// throw-away CA whose key was not kept: a CA, a server certificate and a terminal (client)
// certificate with fixed dates, so the tests can state exactly what each one names and when it
// expires. No private key is here: the tests that need one never reach OpenSSL's key loading.
#pragma once

#include <cstdint>
#include <string_view>

namespace posdiag::drivers::network::testing {

// CN "Test Acquirer Root CA", self-signed.
inline constexpr std::string_view kTestCaPem = R"(
-----BEGIN CERTIFICATE-----
MIIBmDCCAT2gAwIBAgIUCC5gb2E2glfiDN6EHrrpHxl6ez0wCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVVGVzdCBBY3F1aXJlciBSb290IENBMCAXDTI2MTIwNjA1MjYw
MFoYDzIxMjYxMTEyMDUyNjAwWjAgMR4wHAYDVQQDDBVUZXN0IEFjcXVpcmVyIFJv
b3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQWhL/6iGjDs158mdnPkomo
/mE1D7E78vM3gN/KkPgUfQlHSLjpm+LLBOa1Es+ttw0pcuOeJW+cDXv6ADAp/V3O
o1MwUTAdBgNVHQ4EFgQUNwzg4kdL7REzFuwnSkPKrF+BM/MwHwYDVR0jBBgwFoAU
Nwzg4kdL7REzFuwnSkPKrF+BM/MwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNJADBGAiEA31MZiuDp4vyjhTRtNt9VwHaLRb2PYQEJhw16Vs06GW4CIQDPovW/
hxnoG7ZuiYlKc3ln+GtB3V/dxG9Wkgsx7jGvsw==
-----END CERTIFICATE-----
)";

// CN pay.bank.test, SAN DNS:pay.bank.test, DNS:*.gw.bank.test, IP:10.77.0.1; issued by the CA
// above, valid 2025-01-01 to 2045-01-01.
inline constexpr std::string_view kTestServerPem = R"(
-----BEGIN CERTIFICATE-----
MIIBmzCCAUCgAwIBAgICEAAwCgYIKoZIzj0EAwIwIDEeMBwGA1UEAwwVVGVzdCBB
Y3F1aXJlciBSb290IENBMB4XDTI1MDEwMTAwMDAwMFoXDTQ1MDEwMTAwMDAwMFow
GDEWMBQGA1UEAwwNcGF5LmJhbmsudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABDoElD23cOleRy4ZAwv5aerPmNbEDY7Ewcj4BBlxdUg1iBPlHZ6Qs2Uhf5ci
Oj/KT9orRiD1hMFOEW/7dQZKkoSjcjBwMC4GA1UdEQQnMCWCDXBheS5iYW5rLnRl
c3SCDiouZ3cuYmFuay50ZXN0hwQKTQABMB0GA1UdDgQWBBQPpmRWo37Oc2cxZMKM
3Z/yc3wQWzAfBgNVHSMEGDAWgBQ3DODiR0vtETMW7CdKQ8qsX4Ez8zAKBggqhkjO
PQQDAgNJADBGAiEA5Uz62xAlJwkOXPaW5CfewwqLutbTvYyD8KnINy0P1XsCIQC2
d/xh3G/01Kzm+P35ehLLtkHK01BLh9kbUkfsPNrKkA==
-----END CERTIFICATE-----
)";

// CN terminal-00042, no SAN; issued by the CA above, valid 2025-01-01 00:00:00Z to
// 2026-01-01 00:00:00Z.
inline constexpr std::string_view kTestClientPem = R"(
-----BEGIN CERTIFICATE-----
MIIBITCByAICEAEwCgYIKoZIzj0EAwIwIDEeMBwGA1UEAwwVVGVzdCBBY3F1aXJl
ciBSb290IENBMB4XDTI1MDEwMTAwMDAwMFoXDTI2MDEwMTAwMDAwMFowGTEXMBUG
A1UEAwwOdGVybWluYWwtMDAwNDIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARC
rogPrf86jNXUoHG1KtaJ1qraS8hQ3EkZvEdFBpllnYOk/RaEOc3O4OOu8XvioQTW
PtW0rzer1vLNRhz3c4Z3MAoGCCqGSM49BAMCA0gAMEUCIQC0Xkf9cFPZgMRacRx5
PIrF9LQFgXyeywrbnwtFOnvC5gIgCS97vRq/r5fJkgM1nYDmJUAtgmQy8sNrzz+z
XR4Gg54=
-----END CERTIFICATE-----
)";
inline constexpr std::int64_t kTestClientNotBefore = 1735689600;
inline constexpr std::int64_t kTestClientNotAfter = 1767225600;

}  // namespace posdiag::drivers::network::testing
