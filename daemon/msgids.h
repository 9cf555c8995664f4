/* SPDX-License-Identifier: ISC */
/*
 * journald MESSAGE_IDs, one per event kind, stable forever: dashboards and
 * `journalctl MESSAGE_ID=...` depend on them. New kinds get new ids
 * (systemd-id128 new); never reuse or change one.
 */
#ifndef AD_MSGIDS_H
#define AD_MSGIDS_H

#define MSGID_RUN_STARTED    "0409a45d3d0a408f905324f7dfc34c3c"
#define MSGID_RUN_SUCCEEDED  "c3ad658584f6424ebb265aaee9715bf5"
#define MSGID_RUN_FAILED     "ada4b4ddaa8841f9bba22604b714bb04"
#define MSGID_ROLLED_BACK    "4b5118dd26d44042b89e57660cb9b9c1"
#define MSGID_PAUSED         "8de87dfb71bc417180a27cf191d878bc"
#define MSGID_RESUMED        "7c91d9d17f094e48840926f5c307a554"
#define MSGID_CAPTURE_OFF    "eb70492dc18d4e50ac634145836e5d83"
#define MSGID_CAPTURE_ON     "15878d8e455948d4b5e45a5dd94184ec"
#define MSGID_DB_LOST        "9cecadde281e4f1a92d3813a20801af1"
#define MSGID_DB_BACK        "509535ac0a4340649ecec1a49f439b4f"
#define MSGID_DB_UNREACHABLE "32903e6ecb974d6988ad016265f6d1e5"
#define MSGID_RELOAD_OK      "c8d8f4b046d74fee90463f8fae8b65ac"
#define MSGID_RELOAD_FAILED  "e5d5c9f7b1ee43feae65698bbfe69cbc"

#endif
