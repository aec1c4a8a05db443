import type { Collection, Db } from 'mongodb';

/**
 * The metahub's national view (SPEC §11): which hubs hold data for an SSIN, the consents and
 * therapeutic links every hub publishes, and the registry of professionals hubs vouch for. Keyed by
 * the publishing hub, so a hub only ever replaces what it published itself.
 */
export interface NationalHolder {
  _id: string;
  ssin: string;
  hub: string;
  since: Date;
}

/** A published Consent or CareTeam, with every party named by its national number. */
export interface NationalRecord {
  /** `<hub>|<Type>/<id>`. */
  _id: string;
  hub: string;
  type: 'Consent' | 'CareTeam';
  ssin: string;
  /** Consent kind (`hub-sharing`, `exclusion`, ...) or link type. */
  kind: string;
  status: string;
  /** In force from .. until (absent = open). */
  start?: Date;
  end?: Date;
  /** NIHII numbers of the professionals named (consent actor, link member). */
  professionals: string[];
  /** NIHII or CBE numbers of institutions named (an admission link's member). */
  organizations: string[];
  /** When the publishing hub last changed it: the latest hub-sharing change is the patient's national consent. */
  changed: Date;
  /** The record at the publishing hub (`<base>/<Type>/<id>`), for the audit trail's decision basis. */
  source: string;
}

export interface NationalPractitioner {
  /** `<hub>|<nihii>`. */
  _id: string;
  hub: string;
  nihii: string;
  active: boolean;
  professions: string[];
  name?: string;
}

/** The only door to the metahub's collections and to the peer-token replay ledger. */
export class NationalStore {
  constructor(private readonly db: Db) {}

  private get holders(): Collection<NationalHolder> {
    return this.db.collection<NationalHolder>('NationalHolder');
  }
  private get records(): Collection<NationalRecord> {
    return this.db.collection<NationalRecord>('NationalRecord');
  }
  private get practitioners(): Collection<NationalPractitioner> {
    return this.db.collection<NationalPractitioner>('NationalPractitioner');
  }

  /** Indexes on the one equality each query leads with (FerretDB pushes top-level equalities down). */
  async ensureIndexes(): Promise<void> {
    const want: [string, string][] = [
      ['NationalHolder', 'ssin'],
      ['NationalRecord', 'ssin'],
      ['NationalRecord', 'professionals'],
      ['NationalRecord', 'organizations'],
      ['NationalPractitioner', 'nihii'],
    ];
    for (const [name, field] of want) {
      const collection = this.db.collection(name);
      const existing = new Set(
        (
          await collection
            .listIndexes()
            .toArray()
            .catch(() => [])
        ).map((i) => i.name as string)
      );
      if (!existing.has(`${field}_1`)) await collection.createIndex({ [field]: 1 });
    }
  }

  async addHolder(ssin: string, hub: string, now: Date): Promise<void> {
    await this.holders.updateOne({ _id: `${ssin}|${hub}` }, { $setOnInsert: { ssin, hub, since: now } }, { upsert: true });
  }

  async holdersOf(ssin: string): Promise<string[]> {
    return (await this.holders.find({ ssin }).toArray()).map((h) => h.hub).sort();
  }

  async putRecord(record: NationalRecord): Promise<void> {
    await this.records.replaceOne({ _id: record._id }, record, { upsert: true });
  }

  async putPractitioner(practitioner: NationalPractitioner): Promise<void> {
    await this.practitioners.replaceOne({ _id: practitioner._id }, practitioner, { upsert: true });
  }

  async practitionersWith(nihii: string): Promise<NationalPractitioner[]> {
    return this.practitioners.find({ nihii }).toArray();
  }

  /** Records naming this professional (links, exclusions, grants), every hub, every status. */
  async recordsNaming(nihii: string): Promise<NationalRecord[]> {
    return this.records.find({ professionals: nihii }).toArray();
  }

  /** Links naming an institution (its NIHII or CBE number), every hub, every status. */
  async recordsNamingOrganization(organization: string): Promise<NationalRecord[]> {
    return this.records.find({ organizations: organization }).toArray();
  }

  async recordsOf(ssins: string[]): Promise<NationalRecord[]> {
    if (!ssins.length) return [];
    // One equality per patient: `$in` is not pushed down by FerretDB (ARCHITECTURE, storage model).
    const found = await Promise.all(ssins.map((ssin) => this.records.find({ ssin }).toArray()));
    return found.flat();
  }
}

/** Peer tokens are single-use: the database refuses a second use of a `jti` (unique `_id`). */
export class PeerTokenLedger {
  constructor(private readonly db: Db) {}

  /** True the first time a token id is seen; false on a replay. */
  async firstUse(jti: string, expires: Date): Promise<boolean> {
    try {
      await this.db.collection<{ _id: string; expires: Date }>('PeerTokenUse').insertOne({ _id: jti, expires });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  /** Used ids of tokens that expired cannot be replayed anyway (exp is checked first). */
  async forgetExpired(now: Date): Promise<void> {
    await this.db.collection<{ _id: string; expires: Date }>('PeerTokenUse').deleteMany({ expires: { $lt: now } });
  }
}
