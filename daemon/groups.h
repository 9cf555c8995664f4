/* SPDX-License-Identifier: ISC */
/*
 * The groups the configuration names (control.operator_group: who may change
 * things; control.reader_group: the socket's group), looked up by name.
 *
 * getgrnam() may wait on a directory service (sssd, LDAP) for as long as it
 * likes. At start-up, before the loop serves anyone, it runs in place; at a
 * reload it runs on a thread of its own, and the loop applies the answer when
 * it comes. Until then the groups found before stay in force.
 */
#ifndef AD_GROUPS_H
#define AD_GROUPS_H

struct daemon;
struct groups;

struct groups *groups_new(struct daemon *d);
/* Look the groups up now (start-up). */
void groups_resolve_now(struct daemon *d);
/* Look them up again off the loop (reload); a lookup in flight is followed by one more. */
void groups_refresh(struct groups *g);
/* A lookup still in flight finishes on its thread and is dropped. */
void groups_free(struct groups *g);

#endif
