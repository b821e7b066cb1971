// Object ids for string keys in live cluster mode, chosen so that the cluster core routes them
// to the Redis Cluster hash slot of the key itself.
//
// The sans-IO cluster core (core/cluster/) names objects by 64-bit ids and puts id X in the slot
// of its decimal spelling, `SlotPlacement::keyslot(X)`. A live node holds string keys whose slot
// Redis clients compute from the key (CRC16 of the key or its {hash tag}). `live_key_id(key)`
// returns an id X with keyslot(X) == keyslot(key), so the core needs no second routing rule:
// X = H * 10^6 + S, where H (1 <= H < 1.8e13, from XXH3 of the key) keeps ids of different keys
// apart and the six-digit suffix S is picked from a table so that the CRC comes out right.
//
// Why a suffix can always be found: CRC16-XMODEM (no reflection, no final xor) is linear, so
// crc(D(H) || S) = crc(D(H) || six NUL bytes) XOR crc(S) for six-byte S; the table holds, for
// each of the 16384 low-14-bit CRC values, one six-digit S with that value (the one million
// six-digit strings cover all of them; five digits would leave 256 uncovered).
//
// Collisions: ids keep about 44 bits of the key's hash; two keys with one id behave as a hash
// collision in the live store does (the value table compares the key; see cluster_service.h).
//
// Thread-safety: pure functions; the suffix table is built once, thread-safely, on first use.
#pragma once

#include <string_view>

#include "core/placement.h"

namespace cachescope::node {

ObjId live_key_id(std::string_view key) noexcept;

}  // namespace cachescope::node
