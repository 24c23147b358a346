#!/usr/bin/env bash
# Builds FerretDB from the Go module proxy into $(go env GOPATH)/bin/ferretdb.
# A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that
# panics at start ("Invalid build/version/version.txt"): the release version file is generated
# by FerretDB's own build tooling. So we fetch the module, write that file, and build it.
#
# Four patches (issue 15), all for the test rig only (MongoDB itself does all four by its own planner):
# 1. FerretDB 1.24's SQLite handler finds, updates and deletes by `_id` with the SQL expression
#    `_ferretdb_sjson->'$._id'`, while the unique `_id` index it creates is on `_ferretdb_sjson->"_id"`;
#    SQLite matches index expressions textually, so every `_id` lookup, update and delete scanned
#    the whole table (14 ms at 6,000 documents, 2 ms patched; see scripts/load/ferretdb_probe.ts).
#    The patch makes the lookup use the index's expression, which selects the same JSON value.
# 2. It narrows a query by that index only when the filter is exactly `{_id: <value>}`; a filter
#    naming `_id` and more (`{_id, token}`: a lock's release, an event mark's drop, a compare-and-set
#    on `{_id, version}`) read and decoded every document of the collection, ~70 us each. The patch
#    narrows any filter that names `_id` once at its top level with a plain value; the handlers
#    apply the whole filter to what the query returns, as they always do.
# 3. A filter `{_id: {$in: [<plain values>]}}` read the whole collection too; the patch narrows it
#    to those `_id`s through the same index (`WHERE <id> IN (...)`, up to 100 values), so a
#    listing reads a doctor's weeks of busy time in one command (src/stores/mongo/busy_index.ts).
# 4. A string range on `_id` (`{_id: {$gte|$gt: a, $lt|$lte: b}}`) read the whole collection too;
#    the patch narrows it through the same index to the `_id`s that start with the longest common
#    prefix of a and b (every string between them starts with it), so a listing reads one doctor's
#    busy time, a document per booking, in one command. Only the prefix's letters, digits and
#    `_:.-` are used (JSON writes them as themselves, unescaped); the handlers apply the exact range
#    to what Query returns.
# The build records COMMIT_MARK as its commit, so an older build is rebuilt and a patched one kept
# (scripts/provision.sh checks the same mark).
set -euo pipefail
VERSION="${1:-v1.24.2}"
COMMIT_MARK="${2:-release-vaidya-sqlite-id-pushdown-range}"
BIN_DIR="$(go env GOPATH)/bin"
present="$("${BIN_DIR}/ferretdb" --version 2>/dev/null || true)"
if [[ "${present}" == *"version: ${VERSION}"* && "${present}" == *"commit: ${COMMIT_MARK}"* ]]; then
  exit 0
fi
SRC_DIR="$(go mod download -json "github.com/FerretDB/FerretDB@${VERSION}" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
WORK="$(mktemp -d)"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cp -r "${SRC_DIR}/." "${WORK}/"
chmod -R u+w "${WORK}"
echo "${VERSION}" > "${WORK}/build/version/version.txt"
echo "${COMMIT_MARK}" > "${WORK}/build/version/commit.txt"
METADATA="${WORK}/internal/backends/sqlite/metadata/metadata.go"
sed -i "s|IDColumn = DefaultColumn + \"->'\\\$._id'\"|IDColumn = DefaultColumn + \"->'_id'\"|" "${METADATA}"
if ! grep -qF "IDColumn = DefaultColumn + \"->'_id'\"" "${METADATA}"; then
  echo "install_ferretdb.sh: the _id expression patch did not apply to ${VERSION}" >&2
  exit 1
fi
COLLECTION="${WORK}/internal/backends/sqlite/collection.go"
# Only the first occurrence is Query's; Explain's stays as it was (it reports full pushdown).
sed -i '0,/\tif params.Filter.Len() == 1 {/s//\tif filtersOneID(params.Filter) {/' "${COLLECTION}"
cat >> "${COLLECTION}" <<'GO'

// filtersOneID reports whether the filter names `_id` exactly once, at its top level (Vaidya's
// patch): only the document with that `_id` can match, so Query narrows the scan to it through the
// `_id` index when the value is plain; the handlers apply the whole filter to what Query returns.
func filtersOneID(filter *types.Document) bool {
	n := 0
	for _, k := range filter.Keys() {
		if k == "_id" {
			n++
		}
	}
	return n == 1
}
GO
if ! grep -qF "if filtersOneID(params.Filter) {" "${COLLECTION}"; then
  echo "install_ferretdb.sh: the _id pushdown patch did not apply to ${VERSION}" >&2
  exit 1
fi
# Patch 3: Query's first `q += whereClause` gets the `$in` narrowing in front of it.
sed -i '0,/^\tq += whereClause$/s//\tif whereClause == "" {\n\t\tif ids := filterIDsIn(params.Filter); len(ids) > 0 {\n\t\t\twhereClause = fmt.Sprintf(` WHERE %s IN (?%s)`, metadata.IDColumn, strings.Repeat(", ?", len(ids)-1))\n\t\t\targs = ids\n\t\t} else if lo, hi := filterIDPrefixRange(params.Filter); lo != "" {\n\t\t\twhereClause = fmt.Sprintf(` WHERE %s >= ? AND %s < ?`, metadata.IDColumn, metadata.IDColumn)\n\t\t\targs = []any{lo, hi}\n\t\t}\n\t}\n\n\tq += whereClause/' "${COLLECTION}"
cat >> "${COLLECTION}" <<'GO'

// filterIDsIn returns the SJSON form of every value of a filter `{_id: {$in: [...]}}` whose values
// are all plain (strings or ObjectIDs, at most 100), or nil (Vaidya's patch): only documents with
// one of those `_id`s can match, so Query reads just them through the `_id` index; the handlers
// apply the whole filter to what Query returns.
func filterIDsIn(filter *types.Document) []any {
	if !filtersOneID(filter) {
		return nil
	}
	v, _ := filter.Get("_id")
	cond, ok := v.(*types.Document)
	if !ok || cond.Len() != 1 {
		return nil
	}
	in, _ := cond.Get("$in")
	values, ok := in.(*types.Array)
	if !ok || values.Len() == 0 || values.Len() > 100 {
		return nil
	}
	ids := make([]any, 0, values.Len())
	for i := 0; i < values.Len(); i++ {
		id, err := values.Get(i)
		if err != nil {
			return nil
		}
		switch id.(type) {
		case string, types.ObjectID:
			ids = append(ids, string(must.NotFail(sjson.MarshalSingleValue(id))))
		default:
			return nil
		}
	}
	return ids
}
GO
if ! grep -qF "if ids := filterIDsIn(params.Filter); len(ids) > 0 {" "${COLLECTION}"; then
  echo "install_ferretdb.sh: the _id \$in pushdown patch did not apply to ${VERSION}" >&2
  exit 1
fi
cat >> "${COLLECTION}" <<'GO'

// filterIDPrefixRange returns SQL bounds on the SJSON `_id` for a filter whose `_id` is a string
// range (`{$gte|$gt: a, $lt|$lte: b}`), or "" (Vaidya's patch): every string between a and b
// starts with their longest common prefix p, and every SJSON string starting with `"p` lies in
// [`"p`, `"p'`) where p' is p with its last byte raised by one. Only p's letters, digits and `_:.-`
// count (JSON writes them unescaped), so the bounds hold whatever the stored strings escape after
// p; the handlers apply the exact range to what Query returns.
func filterIDPrefixRange(filter *types.Document) (string, string) {
	if !filtersOneID(filter) {
		return "", ""
	}
	v, _ := filter.Get("_id")
	cond, ok := v.(*types.Document)
	if !ok || cond.Len() != 2 {
		return "", ""
	}
	var lo, hi string
	for _, k := range cond.Keys() {
		s, isString := must.NotFail(cond.Get(k)).(string)
		if !isString {
			return "", ""
		}
		switch k {
		case "$gte", "$gt":
			lo = s
		case "$lt", "$lte":
			hi = s
		default:
			return "", ""
		}
	}
	n := 0
	for n < len(lo) && n < len(hi) && lo[n] == hi[n] && plainIDByte(lo[n]) {
		n++
	}
	if n == 0 {
		return "", ""
	}
	prefix := `"` + lo[:n]
	return prefix, prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1)
}

func plainIDByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}
GO
if ! grep -qF "} else if lo, hi := filterIDPrefixRange(params.Filter); lo != \"\" {" "${COLLECTION}"; then
  echo "install_ferretdb.sh: the _id range pushdown patch did not apply to ${VERSION}" >&2
  exit 1
fi
mkdir -p "${BIN_DIR}"
(cd "${WORK}" && GOFLAGS=-mod=mod go build -o "${BIN_DIR}/.ferretdb.new" ./cmd/ferretdb)
# A rename in the same directory, so FerretDB processes already running keep their binary.
mv -f "${BIN_DIR}/.ferretdb.new" "${BIN_DIR}/ferretdb"
# Captured, then trimmed: `| head -1` under pipefail can fail on FerretDB's SIGPIPE.
version="$("${BIN_DIR}/ferretdb" --version)"
echo "${version%%$'\n'*}"
