# SPDX-License-Identifier: GPL-2.0-or-later
"""A reader of pprof files (gzipped profile.proto) for the tests, written
from profile.proto and the protobuf wire format alone, so a test checks
pysample's encoder against an independent decoder."""
import gzip


# A protobuf reader: just enough of the wire format (protobuf.dev,
# "Encoding") to take profile.proto apart without any library.
def varint(buf, i):
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7f) << shift
        if byte < 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("a varint longer than 10 bytes at %d" % i)


def parts(buf):
    """A message as {field number: [(wire type, value), ...]}: varints as
    ints, length-delimited fields as bytes."""
    out, i = {}, 0
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
            if i > len(buf):
                raise ValueError("field %d runs past the end of its message" % field)
        else:
            raise ValueError("wire type %d in field %d: profile.proto uses none" % (wire, field))
        out.setdefault(field, []).append((wire, value))
    return out


def one(m, field):
    """A scalar (0 when absent, as proto3 has it; the last one wins)."""
    v = m.get(field)
    return v[-1][1] if v else 0


def many(m, field):
    """A repeated varint field, packed or not."""
    out = []
    for wire, v in m.get(field, []):
        if wire == 0:
            out.append(v)
            continue
        i = 0
        while i < len(v):
            x, i = varint(v, i)
            out.append(x)
    return out


def subs(m, field):
    return [parts(v) for _, v in m.get(field, [])]


def signed(v):
    return v - (1 << 64) if v >> 63 else v


def read_profile(path):
    """The Profile message as plain Python, ids as dict keys; raises on
    anything malformed."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        raise ValueError("not gzip: starts with %r" % raw[:4])
    pb = parts(gzip.decompress(raw))
    strings = [v.decode("utf-8") for _, v in pb.get(6, [])]
    s = strings.__getitem__

    def label(m):
        return s(one(m, 1)), (s(one(m, 2)) if 2 in m else signed(one(m, 3)))

    prof = {
        "strings": strings,
        "sample_type": [(s(one(v, 1)), s(one(v, 2))) for v in subs(pb, 1)],
        "samples": [{"locations": many(v, 1), "values": [signed(x) for x in many(v, 2)],
                     "labels": dict(label(m) for m in subs(v, 3)), "nlabels": len(subs(v, 3))}
                    for v in subs(pb, 2)],
        "mappings": {one(m, 1): {"start": one(m, 2), "limit": one(m, 3), "file": s(one(m, 5)),
                                 "build_id": s(one(m, 6)), "has_functions": one(m, 7)}
                     for m in subs(pb, 3)},
        "locations": {one(m, 1): {"mapping": one(m, 2), "address": one(m, 3),
                                  "lines": [(one(x, 1), signed(one(x, 2))) for x in subs(m, 4)],
                                  "folded": one(m, 5)}
                      for m in subs(pb, 4)},
        "functions": {one(m, 1): {"name": s(one(m, 2)), "system_name": s(one(m, 3)),
                                  "file": s(one(m, 4)), "start_line": signed(one(m, 5))}
                      for m in subs(pb, 5)},
        "time_nanos": signed(one(pb, 9)),
        "duration_nanos": signed(one(pb, 10)),
        "period_type": [(s(one(v, 1)), s(one(v, 2))) for v in subs(pb, 11)],
        "period": signed(one(pb, 12)),
        "comments": [s(i) for i in many(pb, 13)],
    }
    prof["ids_unique"] = all(len(subs(pb, f)) == len(prof[k]) for f, k in
                             ((3, "mappings"), (4, "locations"), (5, "functions")))
    return prof


def stack_names(prof, sample):
    """A sample's function names, leaf first (inline chains innermost first)."""
    return [prof["functions"][fid]["name"] for lid in sample["locations"]
            for fid, _ in prof["locations"][lid]["lines"]]
