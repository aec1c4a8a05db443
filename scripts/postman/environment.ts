import fs from 'node:fs';
import path from 'node:path';

/** The committed Postman environment: `baseUrl` and one `token_<persona>` per fixture persona, values empty. */
export const ENVIRONMENT_TEMPLATE = path.resolve(__dirname, '../../postman/sharehub.postman_environment.json');
export const COLLECTION_FILE = path.resolve(__dirname, '../../postman/sharehub.postman_collection.json');

export interface PostmanEnvironment {
  id?: string;
  name: string;
  values: { key: string; value: string; type?: string; enabled?: boolean }[];
  _postman_variable_scope?: string;
}

/**
 * The environment with its values filled in: the hub's base URL and a fresh token per persona
 * (`mint(persona)`). Shared by `npm run postman:env` and the newman test, so both run the
 * collection with the same variables.
 */
export function filledEnvironment(baseUrl: string, mint: (persona: string) => string): PostmanEnvironment {
  const template = JSON.parse(fs.readFileSync(ENVIRONMENT_TEMPLATE, 'utf8')) as PostmanEnvironment;
  return {
    ...template,
    values: template.values.map((v) => {
      if (v.key === 'baseUrl') return { ...v, value: baseUrl };
      if (v.key.startsWith('token_')) return { ...v, value: mint(v.key.slice('token_'.length)) };
      return v;
    }),
  };
}
