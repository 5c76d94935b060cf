#!/usr/bin/env python3
"""Reads pinned versions and build properties from the repository's own files (stdlib only), so that the
shell scripts never repeat them. Used by eng/common.sh; prints one NAME=VALUE line per request.

usage: read_config.py REPO NAME=KIND:KEY...

  KIND:KEY                 read from                        value
  package:ID               Directory.Packages.props         Version of <PackageVersion Include="ID">
  package-id:GLOB          Directory.Packages.props         the one package id matching GLOB (e.g. libtorch-*)
  package-version:GLOB     Directory.Packages.props         Version of the one package id matching GLOB
  tool:ID                  .config/dotnet-tools.json        tools.ID.version
  property:NAME            Directory.Build.props            the literal value of <NAME> (last definition)

Package and tool ids match case-insensitively (NuGet ids are case-insensitive); attribute order and
quoting do not matter. Exit 1, naming every value it could not find, if one is missing.
"""
import fnmatch
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

VALUE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]*$")


def local(tag):
    return tag.rsplit("}", 1)[-1]


def load_xml(path):
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise LookupError(f"cannot read {path}: {e}")


def package_versions(repo):
    path = os.path.join(repo, "Directory.Packages.props")
    versions = {}
    for el in load_xml(path).iter():
        if local(el.tag) != "PackageVersion":
            continue
        attrs = {k.lower(): v.strip() for k, v in el.attrib.items()}
        pid = attrs.get("include") or attrs.get("update")
        version = attrs.get("version")
        if version is None:  # <PackageVersion Include="X"><Version>1.2.3</Version></PackageVersion>
            child = next((c for c in el if local(c.tag) == "Version"), None)
            version = child.text.strip() if child is not None and child.text else None
        if pid and version:
            versions[pid.lower()] = (pid, version)
    return path, versions


def one_package(repo, pattern, exact=False):
    path, versions = package_versions(repo)
    hits = [v for k, v in versions.items() if (k == pattern.lower() if exact else fnmatch.fnmatchcase(k, pattern.lower()))]
    if not hits:
        raise LookupError(f"{path}: no <PackageVersion Include=\"{pattern}\" Version=\"...\" />")
    if len(hits) > 1:
        raise LookupError(f"{path}: {len(hits)} packages match '{pattern}' ({', '.join(h[0] for h in hits)}); expected one")
    return hits[0]


def tool_version(repo, tool):
    path = os.path.join(repo, ".config", "dotnet-tools.json")
    try:
        with open(path, encoding="utf-8-sig") as f:
            tools = json.load(f).get("tools", {})
    except (OSError, ValueError) as e:
        raise LookupError(f"cannot read {path}: {e}")
    for name, spec in tools.items():
        if name.lower() == tool.lower() and isinstance(spec, dict) and spec.get("version"):
            return spec["version"]
    raise LookupError(f"{path}: no tool \"{tool}\" with a \"version\"")


def build_property(repo, name):
    path = os.path.join(repo, "Directory.Build.props")
    value = None
    for el in load_xml(path).iter():
        # Last literal definition wins, as in MSBuild; a default such as
        # <RuntimeIdentifier Condition="'$(RuntimeIdentifier)' == ''">linux-x64</...> counts.
        if local(el.tag) == name and el.text and "$(" not in el.text:
            value = el.text.strip()
    if not value:
        raise LookupError(f"{path}: no literal <{name}>...</{name}>")
    return value


def resolve(repo, kind, key):
    if kind == "package":
        return one_package(repo, key, exact=True)[1]
    if kind == "package-id":
        return one_package(repo, key)[0]
    if kind == "package-version":
        return one_package(repo, key)[1]
    if kind == "tool":
        return tool_version(repo, key)
    if kind == "property":
        return build_property(repo, key)
    raise LookupError(f"unknown kind '{kind}' (package, package-id, package-version, tool, property)")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().split("\n\n")[1])
    repo, requests = sys.argv[1], sys.argv[2:]
    out, errors = [], []
    for req in requests:
        name, _, spec = req.partition("=")
        kind, _, key = spec.partition(":")
        if not name or not key:
            errors.append(f"bad request '{req}' (expected NAME=KIND:KEY)")
            continue
        try:
            value = resolve(repo, kind, key)
        except LookupError as e:
            errors.append(f"{name}: {e}")
            continue
        if not VALUE_RE.match(value):
            errors.append(f"{name}: unexpected value '{value}' for {kind} {key}")
            continue
        out.append(f"{name}={value}")
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        return 1
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
