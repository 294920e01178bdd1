/*
 * spawnchild's hostile quota behaviours (user/spawnchild/quota.c): each exhausts one
 * quota class and returns the exit code (SPAWNCHILD_QUOTA_OK when every check held).
 */
#ifndef SPAWNCHILD_QUOTA_H
#define SPAWNCHILD_QUOTA_H

#include <stdint.h>

#define SPAWNCHILD_QUOTA_OK 50
#define SPAWNCHILD_QUOTA_BAD 51

int sc_frames_hog(uint32_t vm);	      /* "frames-hog": VirtualMemory */
int sc_call_hog(uint32_t facet);      /* "call-hog": a facet nobody serves */
int sc_kid_spawner(uint32_t spawner); /* "kid-spawner": ProcessSpawner */
int sc_slot_hog(uint32_t ep);	      /* "slot-hog": a raw Endpoint it owns */

#endif
