import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedFerretDb } from '../../src/store/embedded-ferretdb';
import { dropDatabase, freshDatabaseName, testMongoUri } from '../support/database';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the run-wide test database (MONGODB_URI)', () => {
  const uri = testMongoUri();
  const dbName = freshDatabaseName('embedded-ferretdb');
  let client: MongoClient;

  beforeAll(async () => {
    client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
  });

  afterAll(async () => {
    await dropDatabase(uri, dbName);
    await client.close();
  });

  it('stores a document and reads it back', async () => {
    const patients = client.db(dbName).collection<{ _id: string; resourceType: string; active: boolean }>('Patient');
    await patients.insertOne({ _id: 'p1', resourceType: 'Patient', active: true });

    await expect(patients.findOne({ _id: 'p1' })).resolves.toEqual({ _id: 'p1', resourceType: 'Patient', active: true });

    await client.db(dbName).dropDatabase();
    const names = (await client.db('admin').admin().listDatabases()).databases.map((d) => d.name);
    expect(names).not.toContain(dbName);
  });
});

describe('startEmbeddedFerretDb', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sharehub-ferretdb-'));
  });

  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on a free loopback port, answers ping, and frees the port on stop', async () => {
    const ferretDb = await startEmbeddedFerretDb({ dataDir });
    try {
      expect(ferretDb.uri).toBe(`mongodb://127.0.0.1:${ferretDb.port}/`);
      const client = new MongoClient(ferretDb.uri, { serverSelectionTimeoutMS: 2000 });
      try {
        await expect(client.db('admin').command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
      } finally {
        await client.close();
      }
      expect(fs.statSync(path.join(dataDir, 'ferretdb')).isDirectory()).toBe(true);
      expect(fs.existsSync(path.join(dataDir, 'ferretdb.log'))).toBe(true);
    } finally {
      await ferretDb.stop();
    }

    await expect(canConnect(ferretDb.port)).resolves.toBe(false);
    await expect(ferretDb.stop()).resolves.toBeUndefined(); // a second stop is harmless
  });

  it('fails with a clear error when the binary does not exist', async () => {
    await expect(startEmbeddedFerretDb({ dataDir, binary: path.join(dataDir, 'no-such-ferretdb') })).rejects.toThrow(
      /FerretDB binary not found/,
    );
  });
});
