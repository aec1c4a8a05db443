import type { Express } from 'express';
import { MongoClient, type CommandFailedEvent, type CommandStartedEvent, type CommandSucceededEvent, type Db } from 'mongodb';
import { createHub, type HubOptions } from '../../src/create-hub';
import { createApp } from '../../src/http/app';
import type { Hub } from '../../src/hub-parts';
import { createLogger } from '../../src/log';
import type { HubConfig } from '../../src/config';
import { testMongoUri } from './database';

/**
 * A second hub on a test hub's database whose driver reports every command it sends: tests that
 * hold the shape of the hub's queries (what is pushed down, what is read) watch it.
 */
export interface MonitoredHub {
  app: Express;
  hub: Hub;
  /** A database through the monitored client (its commands are reported too). */
  db(name: string): Db;
  close(): Promise<void>;
}

/**
 * `onReply` hears each command's answer (or failure) as it arrives: with the start events it tells
 * which commands were sent before others answered (how many sequential rounds a request takes).
 */
export async function startMonitoredHub(
  config: HubConfig,
  clock: () => Date,
  onCommand: (event: CommandStartedEvent) => void,
  options: Pick<HubOptions, 'policyFor'> & { onReply?: (event: CommandSucceededEvent | CommandFailedEvent) => void } = {}
): Promise<MonitoredHub> {
  const client = new MongoClient(testMongoUri(), { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', onCommand);
  const { onReply, ...hubOptions } = options;
  if (onReply) {
    client.on('commandSucceeded', onReply);
    client.on('commandFailed', onReply);
  }
  const database = { client, db: client.db(config.databaseName), close: () => client.close() };
  const hub = await createHub(config, database, { log: createLogger('silent'), clock, ...hubOptions });
  return {
    app: createApp(hub),
    hub,
    db: (name) => client.db(name),
    close: async () => {
      await hub.audit.settled();
      await client.close();
    },
  };
}
