import { expect, test } from "vitest";
import { isPublicHttpsUrl } from "../../functions/http/schemas.js";

test("registration refuses callback URLs that name a forbidden address literally, in any form (422 early)", () => {
  for (const url of [
    "https://127.0.0.1/h",
    "https://10.1.2.3/h",
    "https://100.64.0.9/h", // carrier-grade NAT
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/h",
    "https://[::ffff:10.0.0.1]/h",
    "https://[::ffff:a9fe:a9fe]/h", // the metadata address, IPv4-mapped in hex
    "https://[fd00::1]/h",
    "https://localhost/h",
    "https://a.localhost/h",
    "http://hooks.example.com/h", // not https
    "https://user:pw@hooks.example.com/h", // credentials
    "not a url",
  ])
    expect(isPublicHttpsUrl(url), url).toBe(false);
  for (const url of [
    "https://hooks.example.com/tl",
    "https://93.184.216.34/h",
    "https://[2606:4700::1111]/h",
  ])
    expect(isPublicHttpsUrl(url), url).toBe(true);
});

test("local mode adds http(s) to loopback only", () => {
  for (const url of ["http://127.0.0.1:4000/hook", "http://localhost:4000/hook", "http://[::1]:4000/h"])
    expect(isPublicHttpsUrl(url, true), url).toBe(true);
  for (const url of ["http://10.0.0.1/h", "http://hooks.example.com/h", "https://169.254.169.254/"])
    expect(isPublicHttpsUrl(url, true), url).toBe(false);
});
