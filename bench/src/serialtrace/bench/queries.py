"""The GraphQL documents the benchmark sends.

TRACE is the benchmark's "full trace of one unit": every field of the contract's `Unit`, on
the unit and on the units two genealogy levels below it (the finished unit, its
subassembly, and the subassembly's components), with every lot met along the way.
The gateway's test TRACE leaves fields out (e.g. `product.bomRevisions`, `holds`
details, `recalls` counts, lot stock and status), so the benchmark keeps its own.
"""

from __future__ import annotations

_LOT = """
fragment LotFields on Lot {
  sku lotNumber
  product { sku name kind tracking }
  supplier { code name kind }
  supplierLotNumber receivedAt expiresAt quantityOnHand
  stock { quantity location { code name kind } }
  qualityStatus
  inspections { id kind result inspector at measurements }
  holds { id reason placedBy placedAt active unitCount }
}
"""

_UNIT = """
fragment UnitFields on Unit {
  sku serial
  product {
    sku name kind tracking gtin serialPattern uniqueness requiredAttributes
    bomRevisions { sku revision effectiveFrom items { sku quantity } approval { by at meaning } }
  }
  attributes
  aliases { kind value }
  createdAt
  buildStatus
  workOrder { id sku quantity bomRevision line status }
  operations {
    id operation station operator startedAt finishedAt result measurements
    approval { by at meaning }
  }
  installedIn { sku serial }
  materialLots { ...LotFields }
  custodyStatus
  location { code name kind gln parent { code name kind } }
  movements { kind at by reference fromLocation { code name } toLocation { code name } }
  package {
    sscc kind location { code name }
    parent { sscc kind location { code name } }
    shipment { id }
  }
  shipment {
    id shippedAt carrier trackingNumber unitCount
    customer { code name kind }
  }
  qualityStatus
  inspections { id kind result inspector at measurements }
  holds { id reason placedBy placedAt active release { by at meaning } unitCount }
  recalls { id reason status createdAt createdBy scopeComputedInMs counts { state count } }
  auditTrail { service seq at actor action entityType entityId payload prevHash hash }
}

fragment LinkFields on ComponentLink {
  quantity operation installedAt installedBy removedAt removedBy removalReason
  lot { ...LotFields }
}
"""

TRACE = (
    """
query BenchTrace($sku: String!, $serial: String!) {
  unit(sku: $sku, serial: $serial) {
    ...UnitFields
    components {
      ...LinkFields
      unit {
        ...UnitFields
        components {
          ...LinkFields
          unit { ...UnitFields }
        }
      }
    }
  }
}
"""
    + _UNIT
    + _LOT
)

WHERE_USED_PAGE = """
query BenchWhereUsedPage($sku: String!, $lot: String!, $first: Int!) {
  whereUsed(sku: $sku, lotNumber: $lot, first: $first) {
    edges { cursor node { sku serial } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

WHERE_USED_COUNT = """
query BenchWhereUsedCount($sku: String!, $lot: String!) {
  whereUsed(sku: $sku, lotNumber: $lot, first: 1) { totalCount }
}
"""

# The benchmark's own products, location and supplier for the write figures, created
# once per database (fixed idempotency keys make a later run replay them).
FIXTURES = """
mutation BenchFixtures($unit: String!, $part: String!, $material: String!, $bin: String!,
                       $supplier: String!, $unitPattern: String!, $unitTemplate: String!) {
  bin: createLocation(input: {code: $bin, name: "Benchmark receiving bin", kind: BIN},
                      idempotencyKey: "bench:fixture:bin") { code }
  supplier: createParty(input: {code: $supplier, name: "Benchmark supplier", kind: SUPPLIER},
                        idempotencyKey: "bench:fixture:supplier") { code }
  material: createProduct(input: {sku: $material, name: "Benchmark material", kind: MATERIAL,
                                  tracking: LOT},
                          idempotencyKey: "bench:fixture:material") { sku }
  unit: createProduct(input: {sku: $unit, name: "Benchmark unit", kind: FINISHED,
                              tracking: SERIAL, serialPattern: $unitPattern,
                              serialTemplate: $unitTemplate},
                      idempotencyKey: "bench:fixture:unit") { sku }
  part: createProduct(input: {sku: $part, name: "Benchmark purchased part", kind: COMPONENT,
                              tracking: SERIAL},
                      idempotencyKey: "bench:fixture:part") { sku }
}
"""

FIXTURE_BOM = """
mutation BenchBom($unit: String!, $material: String!) {
  createBomRevision(input: {sku: $unit, revision: "A", items: [{sku: $material, quantity: 1}]},
                    idempotencyKey: "bench:fixture:bom") { revision }
}
"""

FIXTURE_BOM_APPROVAL = """
mutation BenchBomApproval($unit: String!) {
  approveBomRevision(sku: $unit, revision: "A", meaning: "released for benchmark builds",
                     idempotencyKey: "bench:fixture:bom-approval") { revision }
}
"""

CREATE_WORK_ORDER = """
mutation BenchWorkOrder($sku: String!, $quantity: Int!, $bin: String!, $key: String!) {
  createWorkOrder(input: {sku: $sku, quantity: $quantity, bomRevision: "A",
                          outputLocationCode: $bin},
                  idempotencyKey: $key) { id }
}
"""

COMMISSION = """
mutation BenchCommission($workOrder: ID!, $count: Int!, $key: String!) {
  commissionUnits(input: {workOrderId: $workOrder, count: $count}, idempotencyKey: $key) {
    sku serial
  }
}
"""

RECEIVE = """
mutation BenchReceive($sku: String!, $serials: [String!]!, $supplier: String!, $bin: String!,
                      $key: String!) {
  receiveUnits(input: {sku: $sku, serials: $serials, supplierCode: $supplier,
                       locationCode: $bin},
               idempotencyKey: $key) { sku serial }
}
"""

SUBMIT_SCANS = """
mutation BenchScans($scans: [ScanInput!]!) {
  submitScans(scans: $scans) { idempotencyKey ok errorCode message }
}
"""

RECORD_OPERATION = """
mutation BenchOperation($unit: UnitKey!, $key: String!) {
  recordOperation(input: {unit: $unit, operation: "BENCH-OP", station: "BENCH-ST-1",
                          result: PASS, measurements: {torque_nm: 0.6}},
                  idempotencyKey: $key) { id }
}
"""

CREATE_RECALL = """
mutation BenchRecall($sku: String!, $lot: String!, $key: String!) {
  createRecall(input: {reason: "Benchmark recall of the most-used lot",
                       lots: [{sku: $sku, lotNumber: $lot}], holdStock: true},
               idempotencyKey: $key) {
    id scopeComputedInMs
    counts { state count }
    affected(first: 1) { totalCount }
  }
}
"""

# An unshipped unit of the recall, with the holds on it (the recall's hold among them).
RECALL_HOLDS = """
query BenchRecallHolds($id: ID!) {
  recall(id: $id) {
    inStock: affected(first: 1, state: IN_STOCK) { edges { node { unit { holds { id reason } } } } }
    inProduction: affected(first: 1, state: IN_PRODUCTION) {
      edges { node { unit { holds { id reason } } } }
    }
  }
}
"""

RELEASE_HOLD = """
mutation BenchRelease($id: ID!, $key: String!) {
  releaseHold(id: $id, meaning: "benchmark recall measured; hold released",
              idempotencyKey: $key) { active }
}
"""

GS1_FIXTURE = """
mutation BenchGs1Fixture($sku: String!, $gtin: String!) {
  createProduct(input: {sku: $sku, name: "Benchmark labelled part", kind: COMPONENT,
                        tracking: SERIAL, gtin: $gtin},
                idempotencyKey: "bench:fixture:gs1-part") { sku }
}
"""

SCAN = """
query BenchScan($code: String!) {
  scan(code: $code) { kind unit { sku serial } elements { ai title value } warnings }
}
"""
